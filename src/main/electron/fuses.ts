// Electron fuses for a packaged Whittle: switches baked into the Electron binary that turn off ways
// to run it as something else. Applied by scripts/apply-fuses.ts to a packaged app with
// @electron/fuses (not a dependency of this repository: packaging is done outside it).
// Names are @electron/fuses' FuseV1Options keys.
export const FUSES = {
  /** ELECTRON_RUN_AS_NODE would turn the app binary into a plain Node with the user's rights. */
  RunAsNode: false,
  /** Cookies and local storage encrypted with an OS-held key. */
  EnableCookieEncryption: true,
  /** NODE_OPTIONS could preload any script into the main process. */
  EnableNodeOptionsEnvironmentVariable: false,
  /** --inspect and friends would open a debugger into the main process. */
  EnableNodeCliInspectArguments: false,
  /** The app's code must come from its asar archive, and that archive must match its recorded hash. */
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  /** file:// gets no extra privileges (the renderer is served over app://). */
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Record<string, boolean>;
