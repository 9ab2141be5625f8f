// Who owns a contract row that is a kind of file (ContractRow.files): each file found on
// the machine is owned by the row of its path, and the row holds when all are its owner.
import { type ContractRow, CONTRACT, ownerOf } from '../contract.ts';
import { setuidFiles } from './setuid.ts';

export interface FilesOwnership {
  /** The files of the kind found under the root, sorted. */
  files: string[];
  /** Each distinct owner of those files, sorted ("unowned" for a path no row covers). */
  owners: string[];
  /** True when there is at least one file and every one is the row's owner's. */
  holds: boolean;
}

/** The files a `files` row covers on the root, and their owners by the path rows. */
export function filesOwnership(root: string, row: ContractRow, contract: readonly ContractRow[] = CONTRACT): FilesOwnership {
  const files = row.files === 'setuid' ? setuidFiles(root) : [];
  const owners = [...new Set(files.map((f) => ownerOf(f, contract)?.owner ?? 'unowned'))].sort();
  return { files, owners, holds: files.length > 0 && owners.length === 1 && owners[0] === row.owner };
}
