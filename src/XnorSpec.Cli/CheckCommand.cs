using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>`check`: the interaction contrast, the score on its own data and the verdict of any two-tower model file.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An XnorSpec model file or a PyTorch state_dict of the question's TemplateEvaluator.", Required = true };
        var reading = Options.PyTorchReading();
        var data = Options.DataFolder();
        var output = new Option<string?>("--out") { Description = "Also write the report to this JSON file." };
        var device = Options.Device();
        var command = new Command("check", """
            Check whether a trained two-tower model can tell same from different on the data it was made for
            (recorded in an XnorSpec model file; --trained-on for a PyTorch file, default Colours): its
            interaction contrast over that data's probe pairs (eval mode; zero for a head whose logit adds up),
            and its score there. Colours: the balanced XNOR loss of BB, BW, WB, WW, in eval and training mode;
            it tells same from different at eval-mode loss <= 0.15. Fashion-MNIST: MSE and accuracy on the
            model's held-out test-split category pairs; it tells same from different at MSE < 0.235, below the
            separable bound of 0.25. The criterion is printed. Exit code 0: it tells same from different;
            1: it cannot; 2: bad input. Usable as a CI gate.

            Examples:
              xnor-spec check --model results/seed/models/product-samecolour.model
              xnor-spec check --model my_template_evaluator.pt --head Concat --out check.json
              xnor-spec check --model fashion-product.pt --head Product --encoder SmallCnn --trained-on FashionMnistSubset
            """)
        { model, data, output, device };
        foreach (var option in reading.All) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var jsonPath = parsed.GetValue(output);
            if (jsonPath is not null) AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var (pairModel, experiment, format) = AnyModelFile.Load(path, reading.Read(parsed), chosen);
            using var _ = pairModel;
            var folder = parsed.GetValue(data);
            using var source = Options.SourceOfModel(experiment, folder);
            source.Accept(experiment);
            var check = ModelCheck.Run(pairModel, experiment, source, chosen);

            string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
            var contrast = check.Contrast;
            Console.WriteLine($"model: {path} ({(format == ModelFormat.PyTorch ? "PyTorch state_dict" : "XnorSpec model file")}), "
                + $"{check.Head} head, {check.Encoder} encoders, made for {check.Data} pairs at {check.ImageSize}x{check.ImageSize}");
            if (contrast.Logits.Count <= 4)
                Console.WriteLine($"logits, eval mode:              {string.Join("  ", contrast.Logits.Select(z => $"{z.Key} {F(z.Value)}"))}");
            Console.WriteLine($"interaction contrast, eval:     {contrast.Probe}: "
                + (contrast.Squares == 1 ? F(contrast.Mean) : $"mean {F(contrast.Mean)}, largest |contrast| {F(contrast.LargestMagnitude)}") + $" (largest |z| {F(contrast.LargestLogit)})");
            foreach (var line in check.Judgement.Lines) Console.WriteLine(line);
            Console.WriteLine($"criterion: {check.Criterion}");
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
