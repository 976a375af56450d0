// The floor of scenario 5: the least a proxy can do to move a large body through on this
// machine. A TCP relay, no HTTP: each accepted connection gets its own upstream connection
// and two threads, one per direction, each copying through one 128 KiB buffer (the size
// latchkey's relay uses) until end of stream, which it passes on with shutdown(SHUT_WR).
//
// Not a product and not a peer: it checks nothing and parses nothing. Its row shows how fast
// any proxy here can stream while curl, the proxy and the upstream share two cores.
//
//   floor_relay LISTEN_PORT UPSTREAM_PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

enum { kBuffer = 128 * 1024 };

struct direction {
  int from;
  int to;
  pthread_t thread;
};

static void* copy(void* arg) {
  struct direction* d = arg;
  char* buffer = malloc(kBuffer);
  ssize_t n;
  while (buffer != NULL && (n = recv(d->from, buffer, kBuffer, 0)) > 0) {
    for (ssize_t sent = 0; sent < n;) {
      ssize_t m = send(d->to, buffer + sent, (size_t)(n - sent), MSG_NOSIGNAL);
      if (m <= 0) goto done;
      sent += m;
    }
  }
done:
  free(buffer);
  shutdown(d->to, SHUT_WR);
  return NULL;
}

struct pair {
  int client;
  int upstream_port;
};

static void* serve(void* arg) {
  struct pair p = *(struct pair*)arg;
  free(arg);
  int up = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in to = loopback(p.upstream_port);
  if (connect(up, (struct sockaddr*)&to, sizeof to) == 0) {
    struct direction there = {p.client, up, 0};
    struct direction back = {up, p.client, 0};
    pthread_create(&there.thread, NULL, copy, &there);
    copy(&back);
    pthread_join(there.thread, NULL);
  }
  close(up);
  close(p.client);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_PORT\n", argv[0]);
    return 2;
  }
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = loopback(atoi(argv[1]));
  if (bind(listener, (struct sockaddr*)&at, sizeof at) != 0 || listen(listener, 64) != 0) {
    perror("listen");
    return 1;
  }
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    struct pair* p = malloc(sizeof *p);
    p->client = client;
    p->upstream_port = atoi(argv[2]);
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, p) != 0) {
      close(client);
      free(p);
      continue;
    }
    pthread_detach(thread);
  }
}
