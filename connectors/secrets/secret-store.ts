/** The port secrets are kept behind: SSM Parameter Store SecureStrings, never the environment. */
export interface SecretStore {
  /** The secret's value; undefined when there is none. Read through a short cache. */
  get(name: string): Promise<string | undefined>;
  put(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}
