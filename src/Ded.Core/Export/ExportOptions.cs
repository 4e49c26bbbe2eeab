namespace Ded.Export;

/// <summary>A training-data format the export stage writes.</summary>
public enum ExportFormat { LlamaFactory, Trl, Parquet }

/// <summary>Which files the export stage writes from the selected trajectories.</summary>
public sealed record ExportOptions
{
    public IReadOnlyList<ExportFormat> Formats { get; init; } = [ExportFormat.LlamaFactory, ExportFormat.Trl, ExportFormat.Parquet];
    /// <summary>Dataset name used for file names and the dataset_info.json key.</summary>
    public string DatasetName { get; init; } = "ded_lab";
    /// <summary>Optional system prompt added to every row.</summary>
    public string? System { get; init; }
}
