// How the host process is launched, shared by every launcher (the CLI, the extension, the bench).

/**
 * Node/V8 flags for the host process. The host forks every one-shot agent, and fork() — plus the
 * child's exec, which the spawning thread waits for — costs more the more memory the host has
 * resident (page tables are copied, then torn down). Under a burst of tasks V8's young generation
 * grows to 3 × 16 MB by default; capped at 1 MB semispaces the host stayed ~20 MB smaller (76 MB
 * instead of 94 MB after 600 tasks) and dispatched more tasks per second, measured with
 * test/bench/profileHost.ts. The host's objects are small and short-lived, so the extra
 * scavenges are cheap. Electron run as Node (VS Code) passes V8 flags through the same way.
 */
export const HOST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
