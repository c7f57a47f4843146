import { useCallback, useRef, useState } from 'react';

/** Placeholder-free first screen: the drop zone. The explorer lands with the UI issue. */
export function App() {
  const [fileName, setFileName] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const onFiles = useCallback((files: FileList | null) => {
    const f = files?.[0];
    if (f) setFileName(f.name);
  }, []);
  return (
    <div
      className="app"
      data-state="empty"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        onFiles(e.dataTransfer.files);
      }}
    >
      <main className="dropzone" data-testid="dropzone">
        <h1>Layerscope</h1>
        <p>Drop a <code>docker save</code> / OCI image archive here to explore its layers.</p>
        <p className="muted">The file never leaves your machine: it is read and decompressed in this page.</p>
        <button type="button" onClick={() => inputRef.current?.click()}>Choose an image archive…</button>
        <input ref={inputRef} type="file" data-testid="file-input" hidden onChange={(e) => onFiles(e.target.files)} />
        {fileName && <p>Selected: {fileName}</p>}
      </main>
    </div>
  );
}
