/* hello: compiled from source with tcc inside the Nix sandbox of the ONIX test machine. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  (void)argc;
  printf("Hello, world! (C, compiled by tcc in the Nix sandbox; %s says: %s)\n", argv[0], strerror(ENOENT));
  return 0;
}
