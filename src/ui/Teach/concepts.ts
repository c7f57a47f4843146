/**
 * The teaching texts: short, plain, and checked against the specifications
 * they paraphrase — OCI image-spec layer.md ("Changesets", "Whiteouts",
 * "Opaque Whiteout"), config.md ("rootfs", "history", ChainID), the kernel's
 * Documentation/filesystems/overlayfs.rst, and Docker's storage-driver docs.
 * Inline `code` is marked with backticks and rendered as <code>.
 */
export type ConceptId = 'layers' | 'bootfs' | 'rootfs' | 'union' | 'cow' | 'whiteout' | 'opaque' | 'sharing' | 'container' | 'commit';

export interface Concept {
  id: ConceptId;
  /** Short name for the button. */
  term: string;
  title: string;
  /** Paragraphs. */
  body: string[];
  /** Where the rule comes from. */
  source: string;
  /** Selectors of the place in the page that shows the concept (first present wins). */
  shows: string[];
}

export const CONCEPTS: Concept[] = [
  {
    id: 'layers',
    term: 'Layers',
    title: 'An image is a stack of read-only layers',
    body: [
      'Each layer is a tar archive of what one build step changed: the files it added or changed (always whole files, even for a one-byte edit) and the deletions, recorded as whiteouts. The stack is read bottom to top.',
      'A layer is identified by its digest: its `diff_id` is the sha256 of the uncompressed tar, listed in the image config under `rootfs.diff_ids`. Nothing in a layer is ever changed afterwards.',
      'Steps that only change settings (`ENV`, `CMD`, `WORKDIR`, `EXPOSE`, `LABEL`…) make no layer: they change the config, and their history entry says `empty_layer: true`. The diagram shows them as thin markers between layers.',
    ],
    source: 'OCI image-spec layer.md "Changesets"; config.md "rootfs", "history"',
    shows: ['[data-part="stack"]'],
  },
  {
    id: 'bootfs',
    term: 'bootfs',
    title: 'bootfs: the kernel is the host\u2019s',
    body: [
      'The boot filesystem holds the bootloader and the kernel. A container never boots: it is a group of ordinary processes running on the host\u2019s kernel, isolated with namespaces and cgroups.',
      'So an image contains no kernel and no `/boot`, and every container on a machine shares the same kernel (`uname -r` inside a container prints the host\u2019s version). The diagram draws bootfs dashed, below the image, because it is not in the image.',
    ],
    source: 'Docker docs (storage drivers; "bootfs" in the original AUFS design)',
    shows: ['[data-part="bootfs"]'],
  },
  {
    id: 'rootfs',
    term: 'rootfs',
    title: 'rootfs: the union of every layer',
    body: [
      'The root filesystem is the tree a process in a container sees at `/`: `/bin`, `/etc`, `/lib`, `/usr`\u2026 It is the union of all the image\u2019s layers, bottom to top: the config lists every one of them, in order, under `rootfs.diff_ids`. The frame around the stack in the diagram is the rootfs; a commit adds a layer to it.',
      'The lowest layers usually come from a base image made from a distribution (Debian, Alpine, busybox\u2026), named by the Dockerfile\u2019s `FROM`: the diagram frames them as \u201cbase image layers\u201d when the history shows where the base ends. Later layers add to those files or change them.',
      'Because the kernel is not included (see bootfs), a distribution\u2019s base image is a few megabytes to a few hundred, not the gigabytes of an installed system.',
    ],
    source: 'OCI image-spec config.md "rootfs" (diff_ids), "history"',
    shows: ['[data-part="rootfs"]', '[data-testid="layer"][data-index="0"]'],
  },
  {
    id: 'union',
    term: 'Union mount',
    title: 'Union mount (overlayfs): one tree from many layers',
    body: [
      'When a container starts, the layers are not copied or merged on disk. A union filesystem \u2014 overlayfs today, AUFS before it \u2014 stacks the layer directories and shows them as one tree.',
      'For each path, the topmost layer that has it wins: a file in an upper layer covers the same path in the layers below. Directories merge: a directory\u2019s contents are the union of what every layer put there, minus what upper layers deleted.',
      'Select a layer in the diagram to see the tree as it was after that layer.',
    ],
    source: 'Linux Documentation/filesystems/overlayfs.rst; OCI image-spec layer.md "Applying Changesets"',
    shows: ['[data-part="stack"]'],
  },
  {
    id: 'cow',
    term: 'Copy-on-write',
    title: 'Copy-on-write (copy-up)',
    body: [
      'Lower layers are read-only and shared, so they are never written. The first time a container changes a file that comes from a lower layer (its contents, or with overlayfs\u2019s default settings even just its mode or owner), overlayfs first copies the whole file up into the container\u2019s read-write layer, then changes the copy. From then on the copy covers the original.',
      'Consequences: a one-byte change to a 100 MB file costs 100 MB in the container layer, and in the image if the change is committed; the original bytes stay in their layer. A `chmod` or `touch` alone costs the same (Docker\u2019s overlay2 mounts without `metacopy=on`), and renaming a lower file copies it up under the new name and writes a whiteout at the old one, since the lower layer cannot change.',
    ],
    source: 'Linux Documentation/filesystems/overlayfs.rst "Non-directories" (copy_up)',
    shows: ['[data-part="container"]', '[data-testid="pg-start"]'],
  },
  {
    id: 'whiteout',
    term: 'Whiteout',
    title: 'Whiteout: deleting hides, it does not free',
    body: [
      'A read-only lower layer cannot lose a file. Deleting it in an upper layer records a whiteout instead: in an image layer, an empty file named `.wh.<name>` beside where the file was (deleting `/etc/motd` writes `etc/.wh.motd`). Deleting a directory this way hides everything under it.',
      'A whiteout file does not itself tell the union mount anything: when a layer is unpacked, the unpacker or snapshotter (containerd\u2019s, Docker\u2019s layer store) turns each one into what the mount understands \u2014 for overlayfs, a 0/0 character device in the layer\u2019s directory, and the `trusted.overlay.opaque` attribute for an opaque directory; committing does the reverse. (The `.wh.` names come from AUFS, the older union filesystem, which read them directly.)',
      'The merged view no longer shows the path, but the lower layer still contains its bytes: they are downloaded and stored with the image. That is why `RUN rm big-file` in a later step never makes an image smaller \u2014 remove files in the same step that created them.',
    ],
    source: 'OCI image-spec layer.md "Whiteouts"; overlayfs.rst "whiteouts and opaque directories"',
    shows: ['[data-testid="tree-row"][data-change="deleted"]'],
  },
  {
    id: 'opaque',
    term: 'Opaque whiteout',
    title: 'Opaque whiteout: replacing a whole directory',
    body: [
      'A directory marked opaque hides everything the lower layers have under it; only what its own layer puts there shows. In a layer tar the mark is an empty file `.wh..wh..opq` inside the directory (overlayfs sets the `trusted.overlay.opaque` attribute on the directory).',
      'It appears when a directory is deleted and created again, e.g. `rm -rf /app/config && mkdir /app/config` in one step: without it, the old files below would show through the new directory.',
    ],
    source: 'OCI image-spec layer.md "Opaque Whiteout"; overlayfs.rst "whiteouts and opaque directories"',
    shows: ['[data-testid="tree-row"][data-change="deleted"]'],
  },
  {
    id: 'sharing',
    term: 'Layer sharing',
    title: 'Layers are shared',
    body: [
      'Layers are content-addressed: identical bytes have the same digest. Two images built `FROM` the same base list the same base layers, so a registry stores them once, `docker pull` downloads only the layers that are missing locally, and the local store keeps one copy on disk.',
      'Running containers share them too: a hundred containers of one image use the image\u2019s layers once, and each adds only its own thin read-write layer.',
    ],
    source: 'OCI image-spec manifest.md (layers by digest), config.md "Layer ChainID"',
    shows: ['[data-testid="shared-marker"]', '[data-part="stack"]'],
  },
  {
    id: 'container',
    term: 'Container layer',
    title: 'The container\u2019s read-write layer',
    body: [
      '`docker run` puts one thin, empty, writable layer on top of the image\u2019s layers (overlayfs\u2019s "upper" directory). Everything the container writes, creates or deletes is recorded there: new files, copied-up files, whiteouts.',
      'The image below is untouched. When the container is removed (`docker rm`), its layer is thrown away \u2014 unless it is committed.',
    ],
    source: 'Linux Documentation/filesystems/overlayfs.rst "Upper and Lower"',
    shows: ['[data-part="container"]', '[data-testid="pg-start"]'],
  },
  {
    id: 'commit',
    term: 'docker commit',
    title: 'docker commit: the container layer becomes an image layer',
    body: [
      '`docker commit` packs the container\u2019s read-write layer as a tar \u2014 new and copied-up files, whiteouts, opaque markers \u2014 and adds it on top of the image\u2019s layers as a new read-only layer, with a new config: its sha256 appended to `rootfs.diff_ids` and one more `history` entry. The original image is unchanged.',
      'Builds make layers differently. The classic builder (`DOCKER_BUILDKIT=0`) did what commit does for every `RUN`, `COPY` and `ADD` step: it ran the step in a temporary container and committed it. BuildKit, the default builder since Docker 23, uses no container commit: each step runs on a snapshot of the previous step\u2019s filesystem (a `RUN` in a short-lived runc container on it, `COPY`/`ADD` written straight into it), and the difference between the two snapshots is exported as the layer tar.',
    ],
    source:
      'OCI image-spec config.md "rootfs", "history"; Docker CLI reference "docker commit"; BuildKit docs (moby/buildkit, "Docker Engine build: BuildKit")',
    shows: ['[data-testid="pg-commit"]', '[data-part="stack"]'],
  },
];

export const CONCEPT_BY_ID: Record<ConceptId, Concept> = Object.fromEntries(CONCEPTS.map((c) => [c.id, c])) as Record<ConceptId, Concept>;
