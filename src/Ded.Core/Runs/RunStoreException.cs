namespace Ded.Runs;

/// <summary>The run folder cannot be used as asked (e.g. it holds a run of a different recipe).</summary>
public sealed class RunStoreException(string message) : Exception(message);
