/**
 * Whole seconds left until a moment, updated a few times a second. Reads the clock rather than
 * counting ticks, so a busy or throttled page never drifts.
 */
export class Countdown {
  remaining = $state(0)
  #end = 0
  #timer: ReturnType<typeof setInterval> | undefined

  /** Counts down from `seconds`; 0 or less stops at once. */
  start(seconds: number): void {
    this.stop()
    this.#end = Date.now() + Math.max(0, seconds) * 1000
    this.#tick()
    if (this.remaining > 0) this.#timer = setInterval(() => this.#tick(), 250)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.remaining = 0
  }

  get running(): boolean {
    return this.remaining > 0
  }

  #tick(): void {
    this.remaining = Math.max(0, Math.ceil((this.#end - Date.now()) / 1000))
    if (this.remaining === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}
