using System.Globalization;

namespace XnorSpec.Training;

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

    /// <summary>"median (min-max)", as the capability tables print a head's seeds.</summary>
    public static string Range(IEnumerable<double> values, string format = "F4")
    {
        var sorted = values.Order().ToArray();
        string F(double x) => x.ToString(format, CultureInfo.InvariantCulture);
        return $"{F(Median(sorted))} ({F(sorted[0])}-{F(sorted[^1])})";
    }
}
