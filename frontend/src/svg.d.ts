// SVG files are bundled as strings (JupyterLab's builder loads them with its raw-source rule).
declare module '*.svg' {
  const value: string;
  export default value;
}
