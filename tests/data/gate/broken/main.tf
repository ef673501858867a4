resource "aws_db_instance" "x" {
  identifier = "x"
  engine = 
}
