// 127.0.0.1:port, for the floor programs (floor_proxy.c, floor_relay.c): the benchmark never
// leaves the loopback interface.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static inline struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}
