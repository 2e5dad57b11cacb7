/**
 * Node flags a long-running host process is started with: the background host `kreo` starts, `npm start` (its
 * script repeats them; a test keeps the two equal) and the memory benchmark, which measures the host as launched.
 *
 * V8 sizes the young generation from the machine's memory: on 16 GiB and more, semi-spaces of 16 MiB, all 32 MiB of
 * them touched once the listener is busy. 4 MiB keeps the host about 15 MB smaller under load, at no measurable CPU
 * cost per webhook (figures: bench/README.md, host memory). A host started by hand (`kreo serve`) runs without them
 * unless NODE_OPTIONS carries them.
 */
export const HOST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** `args` (node flags, then the entry script, then its arguments) with the host flags first, each once. */
export function withHostNodeFlags(args: readonly string[]): string[] {
  return [...HOST_NODE_FLAGS.filter((f) => !args.includes(f)), ...args];
}
