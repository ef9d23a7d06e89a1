/** Jest global teardown: stops the control plane of the global setup. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__svkmsControlPlane?.stop();
  globalThis.__svkmsControlPlane = undefined;
}
