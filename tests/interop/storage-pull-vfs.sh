#!/bin/bash
# storage-pull-vfs.sh — storage-pull.sh on a vfs store.
LC_STORAGE_DRIVER=vfs exec "$(dirname "${BASH_SOURCE[0]}")/storage-pull.sh" "$@"
