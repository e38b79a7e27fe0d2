/** The JSON shapes of meshcollab's sharing API (meshcollab/sharing/README.md). */

export type Role = 'viewer' | 'editor';

export interface IUser {
  username: string;
  display_name: string;
  mail: string;
  idp: string;
  opaque_id: string;
}

/** A share with a user of this institution that I made. */
export interface IShare {
  id: string;
  fileId: string | null;
  path: string | null;
  role: Role;
  permissions: string[];
  grantee: IUser | null;
  owner: IUser | null;
  creator: IUser | null;
  created: string | null;
  expiration: string | null;
}

/** A share with a user at another institution (OCM) that I made. */
export interface IFederatedShare {
  id: string;
  name: string;
  path: string | null;
  /** `user@institution` */
  recipient: string | null;
  role: Role;
  expiration: string | null;
}

/** A public link. `url` is the join page, as the server names it (a path below its base URL). */
export interface ILink {
  id: string;
  token: string;
  url: string;
  fileId: string | null;
  path: string | null;
  role: Role;
  permissions: string[];
  password_protected: boolean;
  expiration: string | null;
  display_name: string;
  created: string | null;
}
