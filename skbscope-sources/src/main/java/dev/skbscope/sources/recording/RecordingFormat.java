package dev.skbscope.sources.recording;

/** Formats a recording can be read from; {@link #AUTO} detects from the first lines. */
public enum RecordingFormat { AUTO, PIPELINE, RETIS, PWRU }
