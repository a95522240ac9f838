using System.Globalization;
using SkiaSharp;
using XnorSpec.Data;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>
/// pairs.png: held-out real-image pairs, one row each: the query, the template, the true answer, and
/// every trained same-category model's probability as a bar. A separable head draws about the same bar
/// on every row; a head that compares draws long bars on "same" rows and short ones on "different".
/// </summary>
internal static class PairsPicture
{
    private const int Scale = 3, Cell = 28 * Scale, Gap = 8, Header = 44, TruthWidth = 120, BarWidth = 150;

    /// <summary>The experiments the picture shows: finished real-image runs on same-category labels, over the same pairs.</summary>
    public static IReadOnlyList<ExperimentResult> Shown(ResultsFile results)
    {
        var candidates = results.Experiments.Where(e => e.Completed && e.Experiment.Labels == LabelRule.SameCategory && e.HeldOut is { Examples.Count: > 0 }).ToArray();
        if (candidates.Length == 0) return candidates;
        var rows = Rows(candidates[0]);
        return candidates.Where(e => Rows(e).SequenceEqual(rows)).ToArray();
    }

    private static IEnumerable<(int, int)> Rows(ExperimentResult e) => e.HeldOut!.Examples.Select(x => (x.Query, x.Template));

    public static byte[] Render(IReadOnlyList<ExperimentResult> shown, LabelledImages test)
    {
        var examples = shown[0].HeldOut!.Examples;
        int width = Gap + 2 * (Cell + Gap) + TruthWidth + shown.Count * (BarWidth + Gap);
        int height = Header + examples.Count * (Cell + Gap) + Gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 14);
        using var small = new SKFont(SKTypeface.Default, 10);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var bar = new SKPaint { Color = new SKColor(0x1f, 0x77, 0xb4) };
        using var track = new SKPaint { Color = new SKColor(0xe8, 0xe8, 0xe8) };
        using var half = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1 };

        int x0 = Gap + 2 * (Cell + Gap);
        canvas.DrawText("query", Gap, Header - 12, font, ink);
        canvas.DrawText("template", Gap + Cell + Gap, Header - 12, font, ink);
        canvas.DrawText("same category?", x0, Header - 12, font, ink);
        for (int c = 0; c < shown.Count; c++)
            canvas.DrawText($"{shown[c].Experiment.Head}: P(same)", x0 + TruthWidth + c * (BarWidth + Gap), Header - 12, font, ink);

        for (int r = 0; r < examples.Count; r++)
        {
            int y = Header + r * (Cell + Gap);
            var example = examples[r];
            DrawImage(canvas, test, example.Query, Gap, y);
            DrawImage(canvas, test, example.Template, Gap + Cell + Gap, y);
            var names = test.CategoryNames;
            canvas.DrawText(example.Label > 0.5f ? "yes" : "no", x0, y + Cell / 2 - 4, font, ink);
            canvas.DrawText($"{names[example.QueryCategory]} / {names[example.TemplateCategory]}", x0, y + Cell / 2 + 14, small, ink);
            for (int c = 0; c < shown.Count; c++)
            {
                float probability = shown[c].HeldOut!.Examples[r].Output;
                int bx = x0 + TruthWidth + c * (BarWidth + Gap), by = y + Cell / 2 - 12;
                canvas.DrawRect(bx, by, BarWidth, 16, track);
                canvas.DrawRect(bx, by, BarWidth * Math.Clamp(probability, 0f, 1f), 16, bar);
                canvas.DrawLine(bx + BarWidth / 2f, by - 2, bx + BarWidth / 2f, by + 18, half);
                canvas.DrawText(probability.ToString("F3", CultureInfo.InvariantCulture), bx, by + 34, font, ink);
            }
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>One 28x28 greyscale image, each pixel drawn as a Scale x Scale square.</summary>
    private static void DrawImage(SKCanvas canvas, LabelledImages images, int index, int x, int y)
    {
        using var pixels = images.Pixels[index];
        var values = pixels.data<byte>().ToArray();
        int side = images.ImageSize;
        using var paint = new SKPaint();
        for (int row = 0; row < side; row++)
            for (int column = 0; column < side; column++)
            {
                byte v = values[row * side + column];
                paint.Color = new SKColor(v, v, v);
                canvas.DrawRect(x + column * Scale, y + row * Scale, Scale, Scale, paint);
            }
    }
}
