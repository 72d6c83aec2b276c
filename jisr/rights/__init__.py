"""Her data rights: the download of everything held on her, erasure on request, retention."""
