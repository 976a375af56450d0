// The floor of scenario 1: the least an authenticating proxy can do per request on this
// machine. One thread, one epoll loop, one upstream connection per client connection, kept
// alive. A request head is found by its blank line; its Authorization field is compared with
// the one expected (a file, so the credential is never in argv); the head goes upstream with
// that field removed and X-Forwarded-User / X-Forwarded-For added, and the response goes
// back as it came. Wrong or missing credentials get 401.
//
// Not a product and not a peer: no log line, no metrics, no limits, no timeouts, no parser
// (responses must carry Content-Length), nothing a proxy in front of users needs. Its row shows
// how far any proxy on this machine can get, with wrk and the upstream on the same two cores.
//
//   floor_proxy LISTEN_PORT UPSTREAM_PORT AUTHORIZATION_FILE USER
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

enum { kBuffer = 16384, kEvents = 64 };

// One side of a client/upstream pair. Both halves are allocated together.
struct side {
  int fd;
  int is_upstream;
  size_t used;
  struct side* peer;
  char buf[kBuffer];
};

static char expected[1024];  // "\r\nAuthorization: <value>\r\n"
static size_t expected_len;
static char added[512];  // the fields added to every forwarded head, then the blank line
static size_t added_len;

static void die(const char* what) {
  perror(what);
  exit(1);
}

// Sends all of it; on loopback a short write is rare, and then we wait for room.
static int send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      struct pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, 1000);
    } else {
      return -1;
    }
  }
  return 0;
}

// Pairs closed during one epoll batch: freed after it, as its later events may name them.
static struct side* closed[kEvents];
static int closed_count;

static void close_pair(int epoll, struct side* s) {
  struct side* client = s->is_upstream ? s->peer : s;
  if (client->fd < 0) return;
  epoll_ctl(epoll, EPOLL_CTL_DEL, client->fd, NULL);
  epoll_ctl(epoll, EPOLL_CTL_DEL, client->peer->fd, NULL);
  close(client->fd);
  close(client->peer->fd);
  client->fd = client->peer->fd = -1;
  closed[closed_count++] = client;  // the upstream half lives in the same allocation
}

static const char kUnauthorized[] =
    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"bench\"\r\n"
    "Content-Length: 0\r\n\r\n";

// A whole request head is in the client's buffer, ending at `end` (just past CRLF CRLF).
static int forward_request(struct side* c, size_t end) {
  // Search from the end of the request line, so the match is a field at a line start.
  char* line_end = memmem(c->buf, end, "\r\n", 2);
  char* field = memmem(line_end, end - (size_t)(line_end - c->buf), expected, expected_len);
  if (field == NULL) return send_all(c->fd, kUnauthorized, sizeof kUnauthorized - 1);
  // The head without the Authorization field and without its final CRLF, then ours.
  size_t before = (size_t)(field - c->buf) + 2;  // keeps the CRLF that ends the previous line
  size_t after_at = (size_t)(field - c->buf) + expected_len;
  char out[kBuffer + sizeof added];
  size_t rest = end - 2 - after_at;
  memcpy(out, c->buf, before);
  memcpy(out + before, c->buf + after_at, rest);
  memcpy(out + before + rest, added, added_len);
  return send_all(c->peer->fd, out, before + rest + added_len);
}

// Bytes of a whole response at the start of the upstream's buffer, or 0 while incomplete.
static size_t response_size(const struct side* u) {
  const char* end = memmem(u->buf, u->used, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  size_t head = (size_t)(end - u->buf) + 4;
  const char* cl = memmem(u->buf, head, "\r\nContent-Length: ", 18);
  size_t body = cl != NULL ? strtoul(cl + 18, NULL, 10) : 0;
  return u->used >= head + body ? head + body : 0;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_PORT AUTHORIZATION_FILE USER\n", argv[0]);
    return 2;
  }
  const int listen_port = atoi(argv[1]);
  const int upstream_port = atoi(argv[2]);
  FILE* f = fopen(argv[3], "r");
  if (f == NULL) die(argv[3]);
  char value[900];
  if (fgets(value, sizeof value, f) == NULL) die("empty authorization file");
  fclose(f);
  value[strcspn(value, "\r\n")] = '\0';
  expected_len = (size_t)snprintf(expected, sizeof expected, "\r\nAuthorization: %s\r\n", value);
  added_len = (size_t)snprintf(added, sizeof added,
                               "X-Forwarded-User: %s\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n", argv[4]);

  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = loopback(listen_port);
  if (bind(listener, (struct sockaddr*)&at, sizeof at) != 0) die("bind");
  if (listen(listener, 1024) != 0) die("listen");
  int epoll = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.ptr = NULL}};
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &ev);

  struct epoll_event events[kEvents];
  for (;;) {
    int n = epoll_wait(epoll, events, kEvents, -1);
    for (int i = 0; i < n; ++i) {
      struct side* s = events[i].data.ptr;
      if (s == NULL) {  // new clients: each gets its own upstream connection
        int fd;
        while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int up = socket(AF_INET, SOCK_STREAM, 0);
          struct sockaddr_in to = loopback(upstream_port);
          if (connect(up, (struct sockaddr*)&to, sizeof to) != 0) {
            close(up);
            close(fd);
            continue;
          }
          struct side* pair = calloc(2, sizeof *pair);
          pair[0] = (struct side){.fd = fd, .peer = &pair[1]};
          pair[1] = (struct side){.fd = up, .is_upstream = 1, .peer = &pair[0]};
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event ce = {EPOLLIN, {.ptr = &pair[0]}};
          struct epoll_event ue = {EPOLLIN, {.ptr = &pair[1]}};
          epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ce);
          epoll_ctl(epoll, EPOLL_CTL_ADD, up, &ue);
        }
        continue;
      }
      if (s->fd < 0) continue;  // its pair was closed earlier in this batch
      ssize_t got = recv(s->fd, s->buf + s->used, kBuffer - s->used, MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        close_pair(epoll, s);
        continue;
      }
      s->used += (size_t)got;
      int failed = 0;
      for (;;) {  // everything whole in the buffer (wrk does not pipeline, but a client may)
        size_t size;
        if (s->is_upstream) {
          size = response_size(s);
          if (size == 0) break;
          failed = send_all(s->peer->fd, s->buf, size) != 0;
        } else {
          const char* end = memmem(s->buf, s->used, "\r\n\r\n", 4);
          if (end == NULL) break;
          size = (size_t)(end - s->buf) + 4;  // bodies are not part of scenario 1
          failed = forward_request(s, size) != 0;
        }
        memmove(s->buf, s->buf + size, s->used - size);
        s->used -= size;
        if (failed) break;
      }
      if (failed || s->used == kBuffer) close_pair(epoll, s);
    }
    while (closed_count > 0) free(closed[--closed_count]);
  }
}
