/** Sharing from JupyterLab: the share dialog and the command that opens it. */

export { openShareDialog, ShareDialogBody } from './dialog';
export { sharingPlugin, SHARE_COMMAND } from './plugin';
