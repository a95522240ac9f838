using System.Security.Cryptography;
using System.Text;
using ScottPlot;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;

namespace XnorSpec.Tools;

/// <summary>
/// limits.png: every recorded run on the plane of balanced MSE (x) against accuracy (y), with the region a
/// separable head can reach (MSE at least 1/4, accuracy at most 3/4) shaded. Colour by head, shape by data;
/// separable heads filled, the others open. The PNG carries the SHA-256 of the limits.csv text it was drawn
/// from in a tEXt chunk, so a spec can tell which points it shows without comparing pixels.
/// </summary>
public static class LimitsPicture
{
    public const int Width = 1280, Height = 760;

    /// <summary>The tEXt keyword under which the picture records the digest of its points.</summary>
    public const string DigestKeyword = "limits.csv sha256";

    public static string Digest(string csv) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv.Replace("\r\n", "\n"))));

    public static byte[] Render(string csv)
    {
        var points = LimitsPlane.ParseCsv(csv);
        var plot = new Plot();
        double right = Math.Max(0.55, points.Max(p => p.Mse) + 0.03);

        double bottom = Math.Min(0.4, points.Min(p => p.Accuracy) - 0.05);

        var region = plot.Add.Rectangle(LimitsPlane.SeparableMseAtLeast, right, bottom, LimitsPlane.SeparableAccuracyAtMost);
        region.FillStyle.Color = Colors.Gray.WithAlpha(0.18);
        region.LineStyle.Width = 0;
        Note(plot, "every separable head lies here", (LimitsPlane.SeparableMseAtLeast + right) / 2, bottom + 0.02, Alignment.LowerCenter, 15, Colors.DimGray);

        foreach (var (y, text, colour, pattern) in new[]
        {
            (LimitsPlane.SeparableAccuracyAtMost, "accuracy 3/4: a separable head's ceiling", Colors.Black, LinePattern.Dashed),
            (LimitsPlane.Chance, "accuracy 1/2: chance", Colors.Gray, LinePattern.Dotted),
        })
        {
            var line = plot.Add.HorizontalLine(y);
            (line.Color, line.LinePattern, line.LineWidth) = (colour, pattern, 1.5f);
            Note(plot, text, 0.005, y + 0.005, Alignment.LowerLeft, 12, colour);
        }
        var mseLine = plot.Add.VerticalLine(LimitsPlane.SeparableMseAtLeast);
        (mseLine.Color, mseLine.LinePattern, mseLine.LineWidth) = (Colors.Black, LinePattern.Dashed, 1.5f);
        Note(plot, "MSE 1/4: a separable head's floor", LimitsPlane.SeparableMseAtLeast + 0.004, 0.9, Alignment.LowerLeft, 12, Colors.Black);

        var heads = Enum.GetValues<FusionKind>();
        var palette = new ScottPlot.Palettes.Category10();
        Color ColourOf(FusionKind head) => palette.GetColor(Array.IndexOf(heads, head));
        // Separable heads first: the open markers of the others drawn over them, slightly larger, leave both visible.
        foreach (var group in points.GroupBy(p => (p.Head, p.Data)).OrderBy(g => !FusionHead.IsSeparable(g.Key.Head)).ThenBy(g => g.Key.Head).ThenBy(g => g.Key.Data))
        {
            var (head, data) = group.Key;
            bool separable = FusionHead.IsSeparable(head);
            var markers = plot.Add.Markers(group.Select(p => p.Mse).ToArray(), group.Select(p => p.Accuracy).ToArray(), Shape(data, separable), separable ? 8 : 10, ColourOf(head));
            markers.MarkerStyle.LineWidth = 1.5f;
        }

        foreach (var head in heads.Where(h => points.Any(p => p.Head == h)))
        {
            bool separable = FusionHead.IsSeparable(head);
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = separable ? $"{head} (separable)" : head.ToString(),
                MarkerStyle = new MarkerStyle(separable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, 9, ColourOf(head)) { LineWidth = 1.5f },
            });
        }
        foreach (var data in Enum.GetValues<PairData>().Where(d => points.Any(p => p.Data == d)))
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = DataName(data),
                MarkerStyle = new MarkerStyle(Shape(data, separable: false), 9, Colors.Black) { LineWidth = 1.5f },
            });
        plot.ShowLegend(Edge.Right);

        plot.Axes.SetLimits(0, right, bottom, 1.03);
        plot.Title($"The two limits: {points.Count} recorded runs on balanced pairs (filled: separable heads)");
        plot.XLabel("balanced MSE (colours: BB, BW, WB, WW in eval mode; real images: 1000 held-out pairs)");
        plot.YLabel("accuracy (output > 0.5 says same)");
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        return WithText(png, DigestKeyword, Digest(csv));
    }

    private static void Note(Plot plot, string text, double x, double y, Alignment alignment, float size, Color colour)
    {
        var note = plot.Add.Text(text, x, y);
        (note.LabelAlignment, note.LabelFontSize, note.LabelFontColor) = (alignment, size, colour);
    }

    private static string DataName(PairData data) => data switch
    {
        PairData.Colours => "solid colours",
        PairData.FashionMnistSubset => "Fashion-MNIST subset",
        PairData.FashionMnist => "Fashion-MNIST, whole dataset",
        _ => data.ToString(),
    };

    private static MarkerShape Shape(PairData data, bool separable) => (data, separable) switch
    {
        (PairData.Colours, true) => MarkerShape.FilledCircle,
        (PairData.Colours, false) => MarkerShape.OpenCircle,
        (PairData.FashionMnistSubset, true) => MarkerShape.FilledSquare,
        (PairData.FashionMnistSubset, false) => MarkerShape.OpenSquare,
        (_, true) => MarkerShape.FilledTriangleUp,
        (_, false) => MarkerShape.OpenTriangleUp,
    };

    /// <summary>The PNG with one tEXt chunk (keyword, text) inserted after IHDR.</summary>
    public static byte[] WithText(byte[] png, string keyword, string text)
    {
        const int afterHeader = 8 + 4 + 4 + 13 + 4; // signature, then IHDR: length, type, 13 bytes, CRC
        var body = Encoding.Latin1.GetBytes(keyword + "\0" + text);
        var chunk = new byte[12 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(chunk, body.Length);
        Encoding.ASCII.GetBytes("tEXt").CopyTo(chunk, 4);
        body.CopyTo(chunk, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc32(chunk.AsSpan(4, 4 + body.Length)));
        return [.. png.AsSpan(0, afterHeader), .. chunk, .. png.AsSpan(afterHeader)];
    }

    /// <summary>The text of the first tEXt chunk with this keyword, or null.</summary>
    public static string? ReadText(byte[] png, string keyword)
    {
        for (int at = 8; at + 12 <= png.Length;)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            if (type == "tEXt")
            {
                var body = Encoding.Latin1.GetString(png, at + 8, length);
                int zero = body.IndexOf('\0');
                if (zero >= 0 && body[..zero] == keyword) return body[(zero + 1)..];
            }
            if (type == "IEND") break;
            at += 12 + length;
        }
        return null;
    }

    /// <summary>Width and height from the IHDR chunk.</summary>
    public static (int Width, int Height) Size(byte[] png) =>
        (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
