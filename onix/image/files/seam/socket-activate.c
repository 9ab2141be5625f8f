/* socket-activate PATH COMMAND [ARG...]: nix-daemon started on its first client, the way
 * Nix's own nix-daemon.socket unit has systemd start it (ONIX's init is busybox's, which has
 * no socket units).
 *
 * Binds and listens on the Unix socket PATH (a stale one is replaced; mode 0666, as Nix's
 * createUnixDomainSocket and systemd's SocketMode= default make it), waits until a client
 * connects, then runs COMMAND in this process with the listening socket as fd 3 and
 * LISTEN_FDS=1, LISTEN_PID=<this pid>: the systemd protocol nix-daemon's daemonLoop() reads
 * (NixOS/nix src/nix/daemon.cc: "Handle socket-based activation by systemd"). A client that
 * connects before the daemon accepts waits in the socket's backlog instead of failing, so
 * nothing at boot waits for the daemon, and a boot that never uses Nix never starts it.
 *
 * Built statically (musl-gcc, or gcc -static). Exit 111 when the socket cannot be made or
 * COMMAND cannot be run, with one line on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

static int fail(const char *what, const char *path) {
  fprintf(stderr, "socket-activate: %s %s: %s\n", what, path, strerror(errno));
  return 111;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: socket-activate PATH COMMAND [ARG...]\n", stderr);
    return 2;
  }
  const char *path = argv[1];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return fail("socket path", path);
  }
  strcpy(addr.sun_path, path);

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return fail("socket for", path);
  if (unlink(path) < 0 && errno != ENOENT) return fail("removing the old", path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return fail("bind", path);
  if (chmod(path, 0666) < 0) return fail("chmod", path);
  if (listen(fd, SOMAXCONN) < 0) return fail("listen", path);
  if (fd != SD_LISTEN_FDS_START) {
    if (dup2(fd, SD_LISTEN_FDS_START) < 0) return fail("dup2 of", path);
    close(fd);
  }

  struct pollfd p = {.fd = SD_LISTEN_FDS_START, .events = POLLIN};
  while (poll(&p, 1, -1) < 0)
    if (errno != EINTR) return fail("poll", path);

  char pid[24];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0) return fail("setenv for", path);
  execvp(argv[2], argv + 2);
  return fail("exec", argv[2]);
}
