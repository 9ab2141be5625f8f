// Progress of machine set-up (image build, boot) for the terminal, shown only for
// what is slow: a line is printed once it has been the latest for a second, so a
// cold image build says which step it is in and a cached one prints nothing.

export interface SlowProgress {
  line(text: string): void;
  stop(): void;
}

export function slowProgress(print: (text: string) => void, afterMs = 1000): SlowProgress {
  let latest: { text: string; at: number; shown: boolean } | null = null;
  const timer = setInterval(() => {
    if (latest && !latest.shown && Date.now() - latest.at >= afterMs) {
      latest.shown = true;
      print(latest.text);
    }
  }, 250);
  timer.unref();
  return {
    line(text) {
      latest = { text, at: Date.now(), shown: false };
    },
    stop() {
      clearInterval(timer);
    },
  };
}
