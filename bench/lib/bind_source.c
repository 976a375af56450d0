// LD_PRELOAD shim: binds every IPv4 socket to BIND_SOURCE (e.g. 127.0.0.2) before it
// connects, so that one wrk (the wrong-password storm of scenario 4) comes from another
// client address than the legitimate traffic — as an attacker would — while everything
// stays on the loopback interface. Built by bench/run with `cc -shared -fPIC`.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  static int (*real_connect)(int, const struct sockaddr*, socklen_t);
  if (real_connect == NULL) {
    real_connect = (int (*)(int, const struct sockaddr*, socklen_t))dlsym(RTLD_NEXT, "connect");
  }
  const char* source = getenv("BIND_SOURCE");
  if (source != NULL && addr != NULL && addr->sa_family == AF_INET) {
    struct sockaddr_in local;
    memset(&local, 0, sizeof local);
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, source, &local.sin_addr) == 1) {
      int one = 1;
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      bind(fd, (const struct sockaddr*)&local, sizeof local);  // on failure: the default
    }
  }
  return real_connect(fd, addr, len);
}
