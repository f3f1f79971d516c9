#ifndef BERTH_FDPASS_H
#define BERTH_FDPASS_H
/* Receives one fd sent with SCM_RIGHTS (runc's --console-socket protocol); -1 on failure. */
int fdpass_recv(int sock);
#endif
