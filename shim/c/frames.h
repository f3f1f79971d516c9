#ifndef BERTH_FRAMES_H
#define BERTH_FRAMES_H
#include <stddef.h>
#include <stdint.h>

#define FRAME_HDR 8
#define FRAME_MAX_PAYLOAD (64 * 1024) /* larger input frames are a protocol error */

enum { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_EXIT = 3, STREAM_RESIZE = 4 };

void frame_header(uint8_t out[FRAME_HDR], int stream, uint32_t len);
/* Parses a header; returns 0 and fills stream/len, or -1 if the reserved bytes are not zero. */
int frame_parse_header(const uint8_t in[FRAME_HDR], int *stream, uint32_t *len);

#endif
