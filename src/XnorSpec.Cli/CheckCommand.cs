using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>`check`: the interaction contrast, the balanced XNOR loss and the verdict of any two-tower model file.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An XnorSpec model file or a PyTorch state_dict of the question's TemplateEvaluator.", Required = true };
        var (head, encoder, size) = Options.PyTorchReading();
        var output = new Option<string?>("--out") { Description = "Also write the report to this JSON file." };
        var device = Options.Device();
        var command = new Command("check", """
            Check whether a trained two-tower model can tell same from different colours: its interaction
            contrast z(BB) + z(WW) - z(BW) - z(WB) (eval mode), the same contrast over Fashion-MNIST category
            pairs (the checked-in subset), its predictions, its balanced XNOR loss in
            eval and training mode, and a verdict naming its head's family. Exit code 0: it tells same from
            different (eval-mode XNOR loss <= 0.15); 1: it cannot; 2: bad input. Usable as a CI gate.

            Examples:
              xnor-spec check --model results/seed/models/product-samecolour.model
              xnor-spec check --model my_template_evaluator.pt --head Concat --out check.json
            """)
        { model, head, encoder, size, output, device };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var jsonPath = parsed.GetValue(output);
            if (jsonPath is not null) AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var (pairModel, experiment, format) = AnyModelFile.Load(path, new PyTorchReading(parsed.GetValue(head), parsed.GetValue(encoder), parsed.GetValue(size)), chosen);
            using var _ = pairModel;
            // Real images: the checked-in Fashion-MNIST subset's test split, always at hand.
            var (train, test, _) = FashionMnistFiles.Load(FashionMnistFiles.FixtureFolder);
            using var trainImages = train;
            using var testImages = test;
            var check = ModelCheck.Run(pairModel, experiment.ImageSize, chosen, testImages);

            string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
            string Row<T>(IReadOnlyDictionary<string, T> values, Func<T, double> number) => string.Join("  ", values.Select(v => $"{v.Key} {F(number(v.Value))}"));
            Console.WriteLine($"model: {path} ({(format == ModelFormat.PyTorch ? "PyTorch state_dict" : "XnorSpec model file")}), "
                + $"{check.Head} head, {check.Encoder} encoders, {check.ImageSize}x{check.ImageSize} solid black and white images");
            Console.WriteLine($"logits, eval mode:              {Row(check.EvalLogits, x => x)}");
            Console.WriteLine($"interaction contrast, eval:     z(BB) + z(WW) - z(BW) - z(WB) = {F(check.InteractionContrast)}");
            if (check.RealImages is { } real)
                Console.WriteLine($"on real images, eval:           z(a,c) + z(b,d) - z(a,d) - z(b,c) over {real.CategoryPairs} Fashion-MNIST category pairs: "
                    + $"mean {F(real.Mean)}, largest |contrast| {F(real.LargestMagnitude)} (largest |z| {F(real.LargestLogit)})");
            Console.WriteLine($"predictions, eval mode:         {Row(check.EvalPredictions, x => x)}");
            Console.WriteLine($"predictions, training mode:     {Row(check.TrainModePredictions, x => x)}  (BatchNorm on these four)");
            Console.WriteLine($"balanced XNOR loss:             eval mode {F(check.XnorLossEval)}, training mode {F(check.XnorLossTrainMode)} (tells same from different at <= {check.LearnedAtMost} in eval mode)");
            Console.WriteLine($"verdict: {check.Verdict}");
            if (jsonPath is not null)
            {
                AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new { model = path, format, check }, Json.Options) + "\n");
                Console.WriteLine($"Wrote {jsonPath}.");
            }
            return check.TellsSameFromDifferent ? ExitCodes.Success : ExitCodes.RunFailed;
        });
        return command;
    }
}
