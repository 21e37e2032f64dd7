package io.kaji.bench;

/** Load harnesses and JMH benchmarks for Kaji; each is run through a {@code kaji bench} subcommand. */
