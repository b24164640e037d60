#!/usr/bin/python3
"""Write and check OCI image layouts for tests (stdlib only).

Used by tests/lib/images.sh; layers are made there with GNU tar and gzip,
this script only hashes files and writes the JSON documents, so that the
result is byte-for-byte reproducible.

  oci-layout.py add-image LAYOUT SPEC.json
      SPEC = {
        "tag": "latest",                      # optional: name it in index.json
        "architecture": "amd64", "os": "linux", "variant": "v8" (optional),
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": [...], "Cmd": [...], ...},   # image config "config"
        "layers": [{"tar": "l1.tar", "blob": "l1.tar.gz",
                    "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "created_by": "..."}],
        "annotations": {...}                  # optional, on the manifest
      }
      Writes layer blobs, config, manifest; prints the manifest descriptor
      (with "platform") as JSON on stdout.

  oci-layout.py add-index LAYOUT TAG DESCRIPTOR.json...
      Writes an image index listing the given manifest descriptors and names
      it TAG in index.json; prints its descriptor.

  oci-layout.py merge DEST SRC
      Hard-links (or copies) SRC's blobs into DEST and adds SRC's index.json
      entries (replacing entries of DEST with the same ref name).

  oci-layout.py check LAYOUT
      Verifies every blob reachable from index.json (digest and size) and
      each config's rootfs.diff_ids against the uncompressed layers.
"""

import hashlib
import json
import os
import shutil
import sys
import zlib

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def sha256_file(path: str):
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            size += len(chunk)
    return "sha256:" + h.hexdigest(), size


def sha256_uncompressed(path: str, media_type: str) -> str:
    h = hashlib.sha256()
    if media_type.endswith("+gzip") or media_type.endswith(".gzip"):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                h.update(d.decompress(chunk))
        h.update(d.flush())
    else:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
    return "sha256:" + h.hexdigest()


def init_layout(layout: str):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    path = os.path.join(layout, "oci-layout")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(dumps({"imageLayoutVersion": "1.0.0"}))
    idx = os.path.join(layout, "index.json")
    if not os.path.exists(idx):
        with open(idx, "wb") as f:
            f.write(dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}))


def blob_path(layout: str, digest: str) -> str:
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def put_bytes(layout: str, data: bytes):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return digest, len(data)


def put_file(layout: str, src: str):
    digest, size = sha256_file(src)
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        link_or_copy(src, path)
    return digest, size


def link_or_copy(src: str, dst: str):
    tmp = dst + ".tmp"
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def read_index(layout: str):
    with open(os.path.join(layout, "index.json"), "rb") as f:
        return json.load(f)


def write_index(layout: str, index):
    path = os.path.join(layout, "index.json")
    with open(path + ".tmp", "wb") as f:
        f.write(dumps(index))
    os.replace(path + ".tmp", path)


def tag_in_index(layout: str, desc: dict, tag: str):
    index = read_index(layout)
    entry = dict(desc)
    entry.pop("platform", None)  # platform belongs to index entries of indexes
    entry["annotations"] = dict(entry.get("annotations") or {}, **{REF_NAME: tag})
    index["manifests"] = [
        m for m in index.get("manifests", [])
        if (m.get("annotations") or {}).get(REF_NAME) != tag
    ] + [entry]
    write_index(layout, index)


def cmd_add_image(layout: str, spec_path: str):
    with open(spec_path) as f:
        spec = json.load(f)
    init_layout(layout)
    created = spec.get("created", "2024-01-01T00:00:00Z")
    layer_descs, diff_ids, history = [], [], []
    for layer in spec["layers"]:
        mt = layer.get("media_type", OCI_LAYER_GZIP)
        digest, size = put_file(layout, layer["blob"])
        if layer.get("tar"):
            diff_id, _ = sha256_file(layer["tar"])
        else:
            diff_id = sha256_uncompressed(layer["blob"], mt)
        layer_descs.append({"mediaType": mt, "digest": digest, "size": size})
        diff_ids.append(diff_id)
        history.append({"created": created,
                        "created_by": layer.get("created_by", "lc test image builder")})
    config = {
        "created": created,
        "architecture": spec["architecture"],
        "os": spec.get("os", "linux"),
    }
    if spec.get("variant"):
        config["variant"] = spec["variant"]
    config["config"] = spec.get("config", {})
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config["history"] = history
    cdigest, csize = put_bytes(layout, dumps(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cdigest, "size": csize},
        "layers": layer_descs,
    }
    if spec.get("annotations"):
        manifest["annotations"] = spec["annotations"]
    mdigest, msize = put_bytes(layout, dumps(manifest))
    platform = {"architecture": config["architecture"], "os": config["os"]}
    if spec.get("variant"):
        platform["variant"] = spec["variant"]
    desc = {"mediaType": OCI_MANIFEST, "digest": mdigest, "size": msize,
            "platform": platform}
    if spec.get("tag"):
        tag_in_index(layout, desc, spec["tag"])
    print(json.dumps(desc))


def cmd_add_index(layout: str, tag: str, desc_paths):
    init_layout(layout)
    manifests = []
    for p in desc_paths:
        with open(p) as f:
            manifests.append(json.load(f))
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    digest, size = put_bytes(layout, dumps(index))
    desc = {"mediaType": OCI_INDEX, "digest": digest, "size": size}
    tag_in_index(layout, desc, tag)
    print(json.dumps(desc))


def cmd_merge(dest: str, src: str):
    init_layout(dest)
    sblobs = os.path.join(src, "blobs")
    for algo in os.listdir(sblobs):
        os.makedirs(os.path.join(dest, "blobs", algo), exist_ok=True)
        for name in os.listdir(os.path.join(sblobs, algo)):
            d = os.path.join(dest, "blobs", algo, name)
            if not os.path.exists(d):
                link_or_copy(os.path.join(sblobs, algo, name), d)
    sindex = read_index(src)
    for m in sindex.get("manifests", []):
        tag = (m.get("annotations") or {}).get(REF_NAME)
        if tag:
            tag_in_index(dest, m, tag)
        else:
            index = read_index(dest)
            index["manifests"].append(m)
            write_index(dest, index)


def cmd_check(layout: str):
    errors = []
    seen = set()

    def check_blob(desc):
        path = blob_path(layout, desc["digest"])
        if not os.path.exists(path):
            errors.append(f"missing blob {desc['digest']}")
            return None
        if desc["digest"] in seen:
            return path
        seen.add(desc["digest"])
        digest, size = sha256_file(path)
        if digest != desc["digest"]:
            errors.append(f"blob {desc['digest']} has digest {digest}")
        if size != desc["size"]:
            errors.append(f"blob {desc['digest']} size {size} != {desc['size']}")
        return path

    def walk(desc):
        path = check_blob(desc)
        if path is None:
            return
        with open(path, "rb") as f:
            doc = json.load(f)
        if desc["mediaType"] == OCI_INDEX:
            for m in doc["manifests"]:
                walk(m)
            return
        cpath = check_blob(doc["config"])
        if cpath is None:
            return
        with open(cpath, "rb") as f:
            config = json.load(f)
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        if len(diff_ids) != len(doc["layers"]):
            errors.append(f"{desc['digest']}: {len(doc['layers'])} layers, "
                          f"{len(diff_ids)} diff_ids")
        for layer, diff_id in zip(doc["layers"], diff_ids):
            lpath = check_blob(layer)
            if lpath and sha256_uncompressed(lpath, layer["mediaType"]) != diff_id:
                errors.append(f"layer {layer['digest']}: diff_id mismatch")

    for m in read_index(layout).get("manifests", []):
        walk(m)
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "add-image":
        return cmd_add_image(argv[1], argv[2])
    if len(argv) >= 4 and argv[0] == "add-index":
        return cmd_add_index(argv[1], argv[2], argv[3:])
    if len(argv) == 3 and argv[0] == "merge":
        return cmd_merge(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "check":
        return cmd_check(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
