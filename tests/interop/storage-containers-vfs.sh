#!/bin/bash
# storage-containers-vfs.sh — storage-containers.sh on a vfs store.
LC_STORAGE_DRIVER=vfs exec "$(dirname "${BASH_SOURCE[0]}")/storage-containers.sh" "$@"
