/* moss-container: run one command inside moss's trigger container, as os-tools'
 * crates/container (lib.rs `Container::run`, `pivot`) builds it. Node cannot unshare or
 * pivot_root, so the moss stand-in runs this binary.
 *
 *   moss-container ROOT ETC USR -- COMMAND [ARG...]
 *
 * ROOT is the container's root (moss's /.moss/root/isolation, holding the root links);
 * ETC is bound read-only at /etc and USR read-write at /usr (a transaction trigger's view). In new
 * mount, PID, IPC, UTS and network namespaces (no networking, as postblit.rs asks), with
 * / made private, ROOT bound onto itself, the binds made, pivot_root into ROOT, then
 * proc and a tmpfs mounted and the host's /sys and /dev bound, the old root detached,
 * umask 022 and cwd "/". The command runs as a child of the container's PID 1 (upstream
 * runs it with std::process::Command from the container's closure); the exit status is
 * the command's, 127 when it cannot be executed, 125 when the container cannot be set up.
 * Root only (upstream adds a user namespace for rootless use; the stand-in needs none).
 * Built statically like moss-exchange. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETUP_FAILED 125

static void die(const char *what, const char *path) {
  fprintf(stderr, "moss-container: %s %s: %s\n", what, path ? path : "", strerror(errno));
  _exit(SETUP_FAILED);
}

static void ensure_dir(const char *path) {
  if (mkdir(path, 0755) != 0 && errno != EEXIST) die("mkdir", path);
}

static void bind(const char *source, const char *target, int read_only) {
  ensure_dir(target);
  if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) die("bind", target);
  /* A bind mount takes MS_RDONLY only on a remount. */
  if (read_only && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) die("remount read-only", target);
}

static int wait_for(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return SETUP_FAILED;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

/* The container's PID 1: set up the mounts, then run the command and wait for it. */
static int container_init(const char *root, const char *etc, const char *usr, char **argv) {
  char path[4096];
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make private", "/");
  if (mount(root, root, NULL, MS_BIND, NULL) != 0) die("bind", root);
  snprintf(path, sizeof path, "%s/etc", root);
  bind(etc, path, 1);
  snprintf(path, sizeof path, "%s/usr", root);
  bind(usr, path, 0);
  snprintf(path, sizeof path, "%s/old_root", root);
  ensure_dir(path);
  if (syscall(SYS_pivot_root, root, path) != 0) die("pivot_root", root);
  if (chdir("/") != 0) die("chdir", "/");
  ensure_dir("proc");
  if (mount("proc", "proc", "proc", 0, NULL) != 0) die("mount", "/proc");
  ensure_dir("tmp");
  if (mount("tmpfs", "tmp", "tmpfs", 0, NULL) != 0) die("mount", "/tmp");
  ensure_dir("sys");
  if (mount("/old_root/sys", "sys", NULL, MS_BIND | MS_REC, NULL) != 0) die("bind", "/sys");
  ensure_dir("dev");
  if (mount("/old_root/dev", "dev", NULL, MS_BIND | MS_REC, NULL) != 0) die("bind", "/dev");
  mount(NULL, "sys", NULL, MS_REC | MS_SLAVE, NULL);
  mount(NULL, "dev", NULL, MS_REC | MS_SLAVE, NULL);
  if (umount2("old_root", MNT_DETACH) != 0) die("unmount", "/old_root");
  if (rmdir("old_root") != 0) die("rmdir", "/old_root");
  umask(022);
  pid_t pid = fork();
  if (pid < 0) die("fork", NULL);
  if (pid == 0) {
    execv(argv[0], argv);
    fprintf(stderr, "moss-container: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  return wait_for(pid);
}

int main(int argc, char **argv) {
  int i = 1;
  if (argc - i < 5 || strcmp(argv[i + 3], "--") != 0) {
    fprintf(stderr, "usage: moss-container ROOT ETC USR -- COMMAND [ARG...]\n");
    return 2;
  }
  const char *root = argv[i], *etc = argv[i + 1], *usr = argv[i + 2];
  char **command = &argv[i + 4];
  if (command[0][0] != '/') {
    fprintf(stderr, "moss-container: the command must be an absolute path: %s\n", command[0]);
    return 2;
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET) != 0) die("unshare", NULL);
  /* The first child of an unshared PID namespace is its PID 1. */
  pid_t pid = fork();
  if (pid < 0) die("fork", NULL);
  if (pid == 0) _exit(container_init(root, etc, usr, command));
  return wait_for(pid);
}
