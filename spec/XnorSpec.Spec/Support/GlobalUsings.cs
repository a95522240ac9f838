global using XnorSpec.Files;
global using XnorSpec.Sources;
global using XnorSpec.Training;
