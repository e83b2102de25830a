// Package entry of bert-imdb-ts: everything the notebooks and other programs use.
export {};
