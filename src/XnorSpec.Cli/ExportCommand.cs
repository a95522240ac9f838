using System.CommandLine;
using XnorSpec.Files;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>`export` and `import`: a model between XnorSpec's .model file and a PyTorch state_dict under the question's key names.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An XnorSpec model file (`train --save`, `reproduce`, `import`).", Required = true };
        var output = new Option<string>("--out") { Description = "The PyTorch file to write (torch.save's zip format).", Required = true };
        var command = new Command("export", """
            Write a model as a PyTorch state_dict that the question's TemplateEvaluator loads unchanged:
            q_encoder.*, t_encoder.* (torchvision resnet18 names, BatchNorm buffers included) and
            fc.0.weight, fc.0.bias (2000 inputs for the Concat head, 1000 for Product).

            Examples:
              xnor-spec export --model results/seed/models/product-samecolour.model --out product.pt
              then in PyTorch: TemplateEvaluator().load_state_dict(torch.load("product.pt"))
            """)
        { model, output };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var target = parsed.GetValue(output)!;
            AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            var (pairModel, experiment) = ModelFile.Load(path);
            using var _ = pairModel;
            PyTorchFile.Save(pairModel, target);
            Console.WriteLine($"Wrote {target}: {pairModel.state_dict().Count} tensors of a {experiment.Head} model with {experiment.Encoder} encoders "
                + $"({(PyTorchFile.IsOneLinear(experiment.Head) ? "head as fc.0" : "head under head.*, see fixtures/pytorch/README.md")}), made for {experiment.Data} pairs at {experiment.ImageSize}px.");
            // A state_dict records weights only: what the model was made for travels as options.
            Console.WriteLine($"Read it back with: xnor-spec import --model {target} --head {experiment.Head} --encoder {experiment.Encoder} "
                + $"--trained-on {experiment.Data} --image-size {experiment.ImageSize} --out FILE.model");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateImport()
    {
        var model = new Option<string>("--model") { Description = "A PyTorch state_dict file (torch.save(model.state_dict(), path)) with the question's key names.", Required = true };
        var output = new Option<string>("--out") { Description = "The XnorSpec model file to write.", Required = true };
        var reading = Options.PyTorchReading();
        reading.Head.Required = true;
        var command = new Command("import", """
            Read a PyTorch state_dict of the question's TemplateEvaluator into an XnorSpec model file. The
            file does not say how the model fuses q and t, so --head is required, nor what data it was made
            for (--trained-on, default Colours) or at what image size; `export` prints the options that give
            back what it wrote. `predict` and `check` read the PyTorch file directly as well.

            Examples:
              xnor-spec import --model product.pt --head Product --out product.model
              xnor-spec import --model fashion.pt --head Product --encoder SmallCnn --trained-on FashionMnistSubset --image-size 28 --out fashion.model
            """)
        { model, output };
        foreach (var option in reading.All) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var target = parsed.GetValue(output)!;
            AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            if (!PyTorchFile.LooksLikePyTorch(path))
                PyTorchFile.Load(path, parsed.GetValue(reading.Head)!.Value); // refuses it, naming what the file is instead
            var (pairModel, experiment, _) = AnyModelFile.Load(path, reading.Read(parsed));
            using var __ = pairModel;
            ModelFile.Save(pairModel, experiment, target);
            Console.WriteLine($"Wrote {target}: a {experiment.Head} model with {experiment.Encoder} encoders, made for {experiment.Data} pairs at {experiment.ImageSize}px.");
            return ExitCodes.Success;
        });
        return command;
    }
}
