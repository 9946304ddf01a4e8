/** The config a command reads when given neither paths nor --config (if it exists). */
export const DEFAULT_CONFIG_FILE = "sift-run-sync.yaml";
