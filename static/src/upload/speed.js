// Upload speed, smoothed (an exponential moving average over samples at least 0.5 s apart),
// and the time left at that speed.

const MIN_SAMPLE_MS = 500;
const SMOOTHING = 0.3;

export class SpeedMeter {
  constructor() {
    this.reset();
  }

  /** Forget the history: after a pause or a resume the bytes already sent are not "speed". */
  reset() {
    this.lastTime = null;
    this.lastBytes = 0;
    this.bytesPerSecond = null;
  }

  sample(bytes, now = performance.now()) {
    if (this.lastTime === null) {
      this.lastTime = now;
      this.lastBytes = bytes;
      return;
    }
    const elapsed = now - this.lastTime;
    if (elapsed < MIN_SAMPLE_MS) return;
    const rate = ((bytes - this.lastBytes) * 1000) / elapsed;
    this.bytesPerSecond = this.bytesPerSecond === null ? rate : SMOOTHING * rate + (1 - SMOOTHING) * this.bytesPerSecond;
    this.lastTime = now;
    this.lastBytes = bytes;
  }

  secondsLeft(remainingBytes) {
    if (!this.bytesPerSecond || this.bytesPerSecond <= 0) return null;
    return remainingBytes / this.bytesPerSecond;
  }
}

export function formatSpeed(bytesPerSecond) {
  if (bytesPerSecond === null) return "";
  const mb = bytesPerSecond / (1024 * 1024);
  return mb >= 10 ? `${mb.toFixed(0)} MB/s` : `${mb.toFixed(mb >= 0.1 ? 1 : 2)} MB/s`;
}

export function formatTimeLeft(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  if (seconds < 5) return "a few seconds left";
  if (seconds < 60) return `${Math.round(seconds)} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return `about ${hours} h ${minutes} min left`;
}
