/** The SDK's name and version, as Describe reports them. */
export const SDK_VERSION = "0.1.0";
export const SDK_NAME = `quarterback-ts/${SDK_VERSION}`;
