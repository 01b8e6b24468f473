// The app version, for model cards and `whittle --version` (a test keeps it equal to package.json's).
export const WHITTLE_VERSION = '0.1.0';
