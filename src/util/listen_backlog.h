// cpp-httplib 0.11 (Debian's) listens with a backlog of 5, so a burst of clients connecting at
// once overflows the accept queue (seen as dropped or reset connections under load). Called
// after binding, this raises the backlog of this process's listening socket on `port`.
#pragma once

namespace memgpt {

// Returns false when no listening socket on `port` was found.
bool raise_listen_backlog(int port, int backlog = 1024);

}  // namespace memgpt
