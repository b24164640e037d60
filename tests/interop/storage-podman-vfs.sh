#!/bin/bash
# storage-podman-vfs.sh — storage-podman.sh on a vfs store.
LC_STORAGE_DRIVER=vfs exec "$(dirname "${BASH_SOURCE[0]}")/storage-podman.sh" "$@"
