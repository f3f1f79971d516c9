#include "frames.h"

void frame_header(uint8_t out[FRAME_HDR], int stream, uint32_t len)
{
	out[0] = (uint8_t)stream;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(len >> 24);
	out[5] = (uint8_t)(len >> 16);
	out[6] = (uint8_t)(len >> 8);
	out[7] = (uint8_t)len;
}

int frame_parse_header(const uint8_t in[FRAME_HDR], int *stream, uint32_t *len)
{
	if (in[1] || in[2] || in[3])
		return -1;
	*stream = in[0];
	*len = ((uint32_t)in[4] << 24) | ((uint32_t)in[5] << 16) | ((uint32_t)in[6] << 8) | in[7];
	return 0;
}
