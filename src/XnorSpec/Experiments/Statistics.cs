namespace XnorSpec.Experiments;

/// <summary>Summaries of repeated measurements, shared by the capability table and the benchmark.</summary>
public static class Statistics
{
    /// <summary>The middle value (mean of the two middle ones for an even count); NaN when there are none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
