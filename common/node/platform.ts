// Which platform implementation the host and its clients use. Linux is the proven one; `posix` is
// the portable path for macOS and other Unix systems; Windows is not supported yet and every entry
// point says so in one clear message. AGENTIC_PLATFORM forces one (tests use it to run a path that
// is not this machine's).

export type PlatformKind = 'linux' | 'posix' | 'win32';

export function platformKind(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): PlatformKind {
  const forced = env.AGENTIC_PLATFORM;
  if (forced === 'linux' || forced === 'posix' || forced === 'win32') return forced;
  if (platform === 'win32') return 'win32';
  return platform === 'linux' ? 'linux' : 'posix';
}

export const README_PLATFORMS = 'README.md#platforms';

/** The message every entry point gives on Windows (undefined where the platform is supported). */
export function unsupportedPlatform(
  env: NodeJS.ProcessEnv = process.env,
  platform: string = process.platform,
): string | undefined {
  if (platformKind(env, platform) !== 'win32') return undefined;
  return (
    'Agentic Background does not support Windows yet: its host needs Unix domain sockets and process groups ' +
    '(Windows support needs named pipes and Job Objects). Use it on Linux or macOS, or in WSL; see the README, "Platforms".'
  );
}
