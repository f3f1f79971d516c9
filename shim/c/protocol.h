#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H
/* The control socket's protocol (docs/shim-protocol.md): the connected clients, their request line, then
 * their input frames. ctrl_sock.h moves the bytes. */
#include "ctrl_sock.h"

extern struct client *clients;

void accept_clients(int listen_fd);
void client_input(struct client *c);
/* Consumes complete input frames; stops while the process is not taking stdin. */
void client_frames(struct client *c);
void reply(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The client gets nothing more: closed once its pending output is out. */
void client_finish(struct client *c);
void send_exit_frame(struct client *c, int status);
/* Frees the dead clients (an exec's process goes with its client); returns whether a live one still has
 * output to send or a request to make. */
int clients_drop_dead(void);
void clients_free_all(void);
#endif
