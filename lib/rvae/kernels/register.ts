/**
 * The wasm kernels ferrovae replaces or adds, and the one function that
 * installs (or removes) them. Each replacement keeps a reference to the stock
 * kernel it displaced, so installing twice is harmless and `enabled: false`
 * restores the stock kernels (used by the benchmark to compare both).
 *
 * @module
 */

import { tf } from "../../deps.ts";

/** A replacement kernel: built from the stock kernel it displaces (undefined when missing). */
export interface KernelReplacement {
  /** The kernel name, as tfjs registers it (e.g. `"Conv2DBackpropFilter"`). */
  kernelName: string;
  /** Build the replacement's kernel function; `stock` is the displaced kernel, if any. */
  make(stock: tf.KernelConfig | undefined): tf.KernelFunc;
}

const STOCK = Symbol.for("ferrovae.stockKernel");
type Installed = tf.KernelConfig & { [STOCK]?: tf.KernelConfig | null };

/**
 * Install the replacement kernels on `backendName` (or, with `enabled:
 * false`, put the stock ones back). Call before `tf.setBackend(backendName)`:
 * the stock kernel's setup function is kept, and tfjs runs setup functions
 * when the backend initialises.
 */
export function installKernels(
  backendName: string,
  replacements: readonly KernelReplacement[],
  options: { enabled?: boolean } = {},
): void {
  const enabled = options.enabled ?? true;
  for (const replacement of replacements) {
    const current = tf.getKernel(replacement.kernelName, backendName) as Installed | undefined;
    const stock = current && STOCK in current ? current[STOCK] ?? undefined : current;
    if (current) tf.unregisterKernel(replacement.kernelName, backendName);
    if (enabled) {
      const config: Installed = {
        kernelName: replacement.kernelName,
        backendName,
        kernelFunc: replacement.make(stock),
        setupFunc: stock?.setupFunc,
        disposeFunc: stock?.disposeFunc,
        [STOCK]: stock ?? null,
      };
      tf.registerKernel(config);
    } else if (stock) {
      tf.registerKernel(stock);
    }
  }
}
