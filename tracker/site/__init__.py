"""The public site's pages that show documents: home, documents, challenges, open comment periods, the threshold and
instrument pages (with their related documents), and the Atom feeds of new documents."""
