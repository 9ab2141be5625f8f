# ONIX's offline stand-in for nixpkgs, registered as `nixpkgs` in the system
# flake registry of the ONIX test machine. No inputs, nothing to fetch: every
# package is built in the Nix sandbox by the store's static busybox from bytes
# the image build seeded into the store (Debian's binaries, our glprobe).
{
  description = "ONIX offline package set (ripgrep, glprobe, hello, onix-hello, onix-slow)";

  outputs = { self }:
    let
      system = "x86_64-linux";
      seed = builtins.fromJSON (builtins.readFile ./seed.json);

      # A seeded input: a fixed-output derivation whose output the image build
      # already put in the store (and rooted), like a fetchurl whose download
      # is cached. It is never built: there is no network to build it with.
      seeded = key: derivation {
        inherit system;
        name = seed.${key}.name;
        builder = "/onix/seeded-input-is-missing-from-the-store";
        outputHashMode = "recursive";
        outputHashAlgo = "sha256";
        outputHash = seed.${key}.hash;
      };

      busybox = seeded "busybox";
      glibc = seeded "glibc";
      libgcc = seeded "libgcc";
      libstdcxx = seeded "libstdcxx";
      pcre2 = seeded "pcre2";
      patchelfDeb = seeded "patchelf";
      ripgrepDeb = seeded "ripgrep";
      glprobeBin = seeded "glprobe";
      tcc = seeded "tcc";
      libcDev = seeded "libcDev";

      # Every package is a shell script run by busybox in the sandbox.
      mkDerivation = { name, script, ... }@attrs: derivation ((removeAttrs attrs [ "script" ]) // {
        inherit system;
        builder = "${busybox}/bin/busybox";
        args = [ "sh" "-e" "-c" script ];
        PATH = "${busybox}/bin";
      });

      ld = "${glibc}/lib/ld-linux-x86-64.so.2";
      # Debian's patchelf, run through the store glibc's loader.
      patchelf = "${ld} --library-path ${glibc}/lib:${libgcc}/lib:${libstdcxx}/lib ${patchelfDeb}/bin/patchelf";
    in
    {
      packages.${system} = rec {
        # Debian's ripgrep binary, relocated onto the store glibc.
        ripgrep = mkDerivation {
          name = "ripgrep-${seed.ripgrep.version}";
          script = ''
            mkdir -p $out/bin
            cp ${ripgrepDeb}/bin/rg $out/bin/rg
            chmod u+w $out/bin/rg
            ${patchelf} --set-interpreter ${ld} --set-rpath ${glibc}/lib:${pcre2}/lib:${libgcc}/lib $out/bin/rg
            $out/bin/rg --version > /dev/null
          '';
        };

        # Our EGL/GLES probe: store glibc first, then the host driver through
        # /run/opengl-driver (NixOS's convention); the wrapper points glvnd and
        # Mesa there too (ONIX_OPENGL_DRIVER overrides the location).
        glprobe = mkDerivation {
          name = "glprobe-${seed.glprobe.version}";
          script = ''
            mkdir -p $out/bin $out/libexec
            cp ${glprobeBin}/bin/glprobe $out/libexec/glprobe
            chmod u+w $out/libexec/glprobe
            ${patchelf} --set-interpreter ${ld} --set-rpath ${glibc}/lib:/run/opengl-driver/lib $out/libexec/glprobe
            cat > $out/bin/glprobe <<'WRAPPER'
            #!${busybox}/bin/sh
            d=''${ONIX_OPENGL_DRIVER:-/run/opengl-driver}
            export LD_LIBRARY_PATH="$d/lib''${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
            export __EGL_VENDOR_LIBRARY_DIRS="$d/share/glvnd/egl_vendor.d"
            export LIBGL_DRIVERS_PATH="$d/lib/dri"
            exec OUT/libexec/glprobe "$@"
            WRAPPER
            sed -i "s|OUT/|$out/|" $out/bin/glprobe
            chmod +x $out/bin/glprobe
          '';
        };

        # A package really built from source in the sandbox: a shell program
        # generated from its template, then run as the build's own test.
        onix-hello = mkDerivation {
          name = "onix-hello-1.0";
          src = ./hello;
          script = ''
            mkdir -p $out/bin
            sed -e "s|@shell@|${busybox}/bin/sh|" -e "s|@out@|$out|" $src/onix-hello.in > $out/bin/onix-hello
            chmod +x $out/bin/onix-hello
            $out/bin/onix-hello > check.txt
            grep -q "^Hello from the ONIX Nix sandbox" check.txt
          '';
        };

        # A build that runs for a while on purpose: validation procedure 6 kills
        # nix-daemon while a build is running, which a build of milliseconds
        # (onix-hello) does not reliably give it time to see.
        onix-slow = mkDerivation {
          name = "onix-slow-1.0";
          script = ''
            sleep 8
            mkdir -p $out/bin
            printf '#!${busybox}/bin/sh\necho "built by the Nix sandbox in about eight seconds"\n' > $out/bin/onix-slow
            chmod +x $out/bin/onix-slow
          '';
        };

        # A C program compiled from source in the sandbox by Debian's tcc, run
        # through the store glibc's loader, against glibc's and Linux's headers.
        hello = mkDerivation {
          name = "hello-1.0";
          src = ./hello;
          script = ''
            mkdir -p $out/bin
            export LD_SO=${ld}
            ${ld} --library-path ${glibc}/lib ${tcc}/bin/tcc -nostdinc -nostdlib \
              -I${tcc}/lib/tcc/include -I${libcDev}/include -I${libcDev}/include/x86_64-linux-gnu \
              -L${glibc}/lib -Wl,-rpath=${glibc}/lib -o $out/bin/hello \
              ${libcDev}/lib/crt1.o ${libcDev}/lib/crti.o $src/hello.c \
              ${glibc}/lib/libc.so.6 ${libcDev}/lib/libc_nonshared.a ${tcc}/lib/tcc/libtcc1.a ${libcDev}/lib/crtn.o
            $out/bin/hello > check.txt
            grep -q "^Hello, world! (C, compiled by tcc in the Nix sandbox" check.txt
          '';
        };

        default = hello;
      };
    };
}
