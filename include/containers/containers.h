/* containers.h: the one header users of libcontainers include.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define LC_INSIDE_CONTAINERS_H

#include <containers/lc-version.h>
#include <containers/lc-error.h>
#include <containers/lc-log.h>
#include <containers/lc-context.h>
#include <containers/lc-image-ref.h>
#include <containers/lc-copy.h>
#include <containers/lc-registry.h>
#include <containers/lc-layer.h>
#include <containers/lc-image.h>
#include <containers/lc-storage-container.h>
#include <containers/lc-store.h>

#undef LC_INSIDE_CONTAINERS_H
