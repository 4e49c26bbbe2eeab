// The lab is the tests' usual client of the pipeline (its recipes, teachers and verifier).
global using Ded.Lab;
global using Ded.Teachers;
