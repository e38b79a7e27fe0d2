/** The extension's own icons. */

import { LabIcon } from '@jupyterlab/ui-components';
import cs3Svg from '../style/icons/cs3.svg';

/** CS3 storage (a cloud): the side panel's tab. */
export const cs3Icon = new LabIcon({ name: 'meshcollab:cs3', svgstr: cs3Svg });
