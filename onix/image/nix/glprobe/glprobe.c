/*
 * glprobe: the ONIX Nix plane's GUI-app stand-in.
 *
 * Loads EGL and GLES 2 (libEGL.so.1 / libGLESv2.so.2 via glvnd, found through
 * the RUNPATH /run/opengl-driver/lib like any NixOS app), creates an offscreen
 * context on the surfaceless platform (EGL_MESA_platform_surfaceless; no
 * window system, no GPU needed: llvmpipe), renders a fixed scene into a
 * framebuffer object, writes it as a PNG and prints which GL it rendered with:
 *
 *   GL_VENDOR: Mesa
 *   GL_RENDERER: llvmpipe (LLVM 15.0.6, 256 bits)
 *   GL_VERSION: OpenGL ES 3.2 Mesa 25.0.7-2~bpo12+1
 *   wrote glprobe.png (256x256, pixels fnv1a 0x...)
 *
 * The PNG encoder is ours: stored (uncompressed) deflate blocks with the zlib
 * header and adler32, chunk crc32; no libpng or zlib needed.
 *
 * Usage: glprobe [-o FILE.png] [-s SIZE]   (defaults: glprobe.png, 256)
 * Exit status: 0 rendered and written; 1 any failure (one line on stderr).
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("glprobe: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* ---- PNG ------------------------------------------------------------- */

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len) {
  uint8_t hdr[8];
  put32(hdr, len);
  memcpy(hdr + 4, type, 4);
  uint32_t crc = crc_update(0xffffffffu, hdr + 4, 4);
  crc = crc_update(crc, data, len) ^ 0xffffffffu;
  uint8_t tail[4];
  put32(tail, crc);
  if (fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) || fwrite(tail, 1, 4, f) != 4)
    die("cannot write PNG");
}

/* rgb: w*h*3 bytes, top row first. */
static void write_png(const char *path, const uint8_t *rgb, int w, int h) {
  size_t raw_len = (size_t)h * (1 + (size_t)w * 3);
  uint8_t *raw = malloc(raw_len);
  if (!raw) die("out of memory");
  for (int y = 0; y < h; y++) {
    raw[(size_t)y * (1 + w * 3)] = 0; /* filter: none */
    memcpy(raw + (size_t)y * (1 + w * 3) + 1, rgb + (size_t)y * w * 3, (size_t)w * 3);
  }
  size_t blocks = (raw_len + 65534) / 65535;
  size_t z_len = 2 + raw_len + blocks * 5 + 4;
  uint8_t *z = malloc(z_len), *p = z;
  if (!z) die("out of memory");
  *p++ = 0x78; /* zlib: deflate, 32K window */
  *p++ = 0x01;
  uint32_t a = 1, b = 0;
  for (size_t off = 0; off < raw_len; off += 65535) {
    size_t n = raw_len - off < 65535 ? raw_len - off : 65535;
    *p++ = off + n == raw_len ? 1 : 0; /* BFINAL, BTYPE=00 stored */
    *p++ = n & 0xff;
    *p++ = n >> 8;
    *p++ = ~n & 0xff;
    *p++ = (~n >> 8) & 0xff;
    memcpy(p, raw + off, n);
    p += n;
    for (size_t i = 0; i < n; i++) {
      a = (a + raw[off + i]) % 65521;
      b = (b + a) % 65521;
    }
  }
  put32(p, (b << 16) | a);
  p += 4;

  FILE *f = fopen(path, "wb");
  if (!f) die("cannot open %s for writing", path);
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (fwrite(sig, 1, 8, f) != 8) die("cannot write %s", path);
  uint8_t ihdr[13];
  put32(ihdr, w);
  put32(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: truecolour */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  chunk(f, "IHDR", ihdr, 13);
  chunk(f, "IDAT", z, (uint32_t)(p - z));
  chunk(f, "IEND", NULL, 0);
  if (fclose(f) != 0) die("cannot write %s", path);
  free(raw);
  free(z);
}

/* ---- GL -------------------------------------------------------------- */

static const char *VS =
    "attribute vec2 pos;\n"
    "attribute vec3 col;\n"
    "varying vec3 v;\n"
    "void main() { v = col; gl_Position = vec4(pos, 0.0, 1.0); }\n";
static const char *FS =
    "precision mediump float;\n"
    "varying vec3 v;\n"
    "void main() { gl_FragColor = vec4(v, 1.0); }\n";

static GLuint shader(GLenum type, const char *src) {
  GLuint s = glCreateShader(type);
  glShaderSource(s, 1, &src, NULL);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[512] = "";
    glGetShaderInfoLog(s, sizeof log, NULL, log);
    die("shader does not compile: %s", log);
  }
  return s;
}

/* The fixed scene: a background gradient (two triangles, one colour per
 * corner) and three overlapping triangles. x y r g b per vertex. */
static const GLfloat SCENE[] = {
    -1, -1, 0.05f, 0.05f, 0.30f, 1, -1, 0.10f, 0.40f, 0.60f, 1, 1, 0.90f, 0.90f, 0.95f,
    -1, -1, 0.05f, 0.05f, 0.30f, 1, 1, 0.90f, 0.90f, 0.95f, -1, 1, 0.60f, 0.20f, 0.50f,
    -0.8f, -0.7f, 1, 0, 0, 0.2f, -0.7f, 1, 0.6f, 0, -0.3f, 0.6f, 1, 1, 0,
    -0.2f, -0.5f, 0, 0.8f, 0.2f, 0.8f, -0.5f, 0, 0.5f, 1, 0.3f, 0.8f, 0, 1, 0.6f,
    -0.6f, 0.1f, 0.5f, 0, 1, 0.6f, 0.2f, 1, 0, 0.8f, 0, 0.9f, 1, 1, 1,
};

int main(int argc, char **argv) {
  const char *out = "glprobe.png";
  int size = 256;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "-s") && i + 1 < argc) size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      puts("usage: glprobe [-o FILE.png] [-s SIZE]");
      return 0;
    } else die("unknown argument '%s' (usage: glprobe [-o FILE.png] [-s SIZE])", argv[i]);
  }
  if (size < 16 || size > 4096) die("size must be 16..4096");
  crc_init();

  EGLDisplay dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
  if (dpy == EGL_NO_DISPLAY) die("no EGL display on the surfaceless platform (is /run/opengl-driver set up?)");
  EGLint major, minor;
  if (!eglInitialize(dpy, &major, &minor)) die("eglInitialize failed (EGL error 0x%x)", eglGetError());
  if (!eglBindAPI(EGL_OPENGL_ES_API)) die("eglBindAPI(GLES) failed");
  static const EGLint cfg_attrs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT,
                                     EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_NONE};
  EGLConfig cfg;
  EGLint n = 0;
  if (!eglChooseConfig(dpy, cfg_attrs, &cfg, 1, &n) || n < 1) die("no EGL config for GLES 2 pbuffers");
  static const EGLint ctx_attrs[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
  EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attrs);
  if (ctx == EGL_NO_CONTEXT) die("eglCreateContext failed (EGL error 0x%x)", eglGetError());
  if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) die("surfaceless eglMakeCurrent failed (EGL error 0x%x)", eglGetError());

  GLuint tex, fbo;
  glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, size, size, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) die("framebuffer incomplete");

  GLuint prog = glCreateProgram();
  glAttachShader(prog, shader(GL_VERTEX_SHADER, VS));
  glAttachShader(prog, shader(GL_FRAGMENT_SHADER, FS));
  glBindAttribLocation(prog, 0, "pos");
  glBindAttribLocation(prog, 1, "col");
  glLinkProgram(prog);
  GLint ok = 0;
  glGetProgramiv(prog, GL_LINK_STATUS, &ok);
  if (!ok) die("shader program does not link");
  glUseProgram(prog);

  glViewport(0, 0, size, size);
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(GLfloat), SCENE);
  glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(GLfloat), SCENE + 2);
  glEnableVertexAttribArray(0);
  glEnableVertexAttribArray(1);
  glDrawArrays(GL_TRIANGLES, 0, (GLsizei)(sizeof SCENE / sizeof SCENE[0] / 5));
  glFinish();

  uint8_t *rgba = malloc((size_t)size * size * 4), *rgb = malloc((size_t)size * size * 3);
  if (!rgba || !rgb) die("out of memory");
  glReadPixels(0, 0, size, size, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  GLenum err = glGetError();
  if (err != GL_NO_ERROR) die("GL error 0x%x while rendering", err);
  uint32_t fnv = 2166136261u;
  for (int y = 0; y < size; y++) /* GL's first row is the bottom one */
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++) {
        uint8_t v = rgba[((size_t)(size - 1 - y) * size + x) * 4 + c];
        rgb[((size_t)y * size + x) * 3 + c] = v;
        fnv = (fnv ^ v) * 16777619u;
      }

  printf("GL_VENDOR: %s\n", (const char *)glGetString(GL_VENDOR));
  printf("GL_RENDERER: %s\n", (const char *)glGetString(GL_RENDERER));
  printf("GL_VERSION: %s\n", (const char *)glGetString(GL_VERSION));
  write_png(out, rgb, size, size);
  printf("wrote %s (%dx%d, pixels fnv1a 0x%08x)\n", out, size, size, fnv);

  eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(dpy, ctx);
  eglTerminate(dpy);
  free(rgba);
  free(rgb);
  return 0;
}
